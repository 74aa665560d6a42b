from datetime import timedelta as _timedelta
from datetime import timezone as _timezone
from datetime import time as _time
value = _time(7, 0, 0, 250, tzinfo=_timezone(_timedelta(seconds=3600), 'CET'))
del _timedelta, _timezone, _time
if __name__ == 'builtins':
    del __builtins__
