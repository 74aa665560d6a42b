from reps_models import Grid as _Grid
from archived.reps import set_state as _set_state
value = _set_state(_Grid(3), {'cells': [0, 7, 0], 'label': 'after init'})
del _Grid, _set_state
if __name__ == 'builtins':
    del __builtins__
