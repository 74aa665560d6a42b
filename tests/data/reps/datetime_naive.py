from datetime import datetime as _datetime
value = _datetime(2026, 12, 1, 23, 46, 23, 5)
del _datetime
if __name__ == 'builtins':
    del __builtins__
