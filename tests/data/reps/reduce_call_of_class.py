from reps_models import Interval as _Interval
value = _Interval(0.0, 2.5)
del _Interval
if __name__ == 'builtins':
    del __builtins__
