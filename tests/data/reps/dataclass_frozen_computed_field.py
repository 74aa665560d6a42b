from reps_models import Frozen as _Frozen
value = _Frozen(n=3)
del _Frozen
if __name__ == 'builtins':
    del __builtins__
