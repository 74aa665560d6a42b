from reps_models import Point as _Point
value = _Point(1.5, -2.0)
del _Point
if __name__ == 'builtins':
    del __builtins__
