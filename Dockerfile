FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
RUN DJANGO_ENV=development DATABASE_URL=postgres://unused@localhost/unused python manage.py collectstatic --noinput \
    && useradd --create-home app && mkdir -p /data/media && chown app /data/media
USER app
EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.py", "--bind", "0.0.0.0:8000", "config.wsgi"]
