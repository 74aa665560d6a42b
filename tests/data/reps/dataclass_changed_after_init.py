from reps_models import Normalised as _Normalised
from archived.reps import from_state as _from_state
value = _from_state(_Normalised, {'values': [3, 1]})
del _Normalised, _from_state
if __name__ == 'builtins':
    del __builtins__
