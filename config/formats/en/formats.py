# Django's English formats, with the time zone named after every date and time (the admin and
# emails show the office's zone).
DATETIME_FORMAT = "N j, Y, P T"
SHORT_DATETIME_FORMAT = "m/d/Y P T"
