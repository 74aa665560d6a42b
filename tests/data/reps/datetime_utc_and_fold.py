from datetime import timezone as _timezone
from datetime import datetime as _datetime
value = _datetime(2026, 1, 2, 3, 4, tzinfo=_timezone.utc, fold=1)
del _timezone, _datetime
if __name__ == 'builtins':
    del __builtins__
