from reps_models import Tagged as _Tagged
from archived.reps import set_state as _set_state
value = _set_state(_Tagged('run'), ('b', 'a'))
del _Tagged, _set_state
if __name__ == 'builtins':
    del __builtins__
