from reps_models import Measured as _Measured
value = _Measured(value=1.5, unit='cm', samples=[1, 2])
del _Measured
if __name__ == 'builtins':
    del __builtins__
