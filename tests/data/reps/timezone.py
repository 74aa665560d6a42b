from datetime import timezone as _timezone
from datetime import timedelta as _timedelta
value = [
    _timezone.utc,
    _timezone(_timedelta(seconds=3600), 'CET'),
    _timezone(_timedelta(days=-1, seconds=82800)),
]
del _timezone, _timedelta
if __name__ == 'builtins':
    del __builtins__
