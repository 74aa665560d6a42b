from reps_models import Slotted as _Slotted
value = _Slotted(a=1, b=(2, 3))
del _Slotted
if __name__ == 'builtins':
    del __builtins__
