FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
# Production settings unless told otherwise: the image refuses to start without real keys. The
# hashed static manifest is built here with throwaway keys that die with this build step.
RUN throwaway="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    && DJANGO_ENV=production SECRET_KEY="$throwaway" JWT_SIGNING_KEY="$throwaway-jwt" \
       DATABASE_URL=postgres://unused@localhost/unused python manage.py collectstatic --noinput \
    && useradd --create-home app && mkdir -p /data/media && chown app /data/media
ENV DJANGO_ENV=production
USER app
EXPOSE 8000
CMD ["gunicorn", "-c", "config/gunicorn.py", "--bind", "0.0.0.0:8000", "config.wsgi"]
