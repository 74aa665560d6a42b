from datetime import timedelta as _timedelta
value = [_timedelta(0), _timedelta(days=-1, microseconds=5)]
del _timedelta
if __name__ == 'builtins':
    del __builtins__
