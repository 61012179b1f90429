# Django's Spanish formats, with the time zone named after every date and time (the admin and
# emails show the office's zone).
DATETIME_FORMAT = r"j \d\e F \d\e Y \a \l\a\s H:i T"
SHORT_DATETIME_FORMAT = "d/m/Y H:i T"
