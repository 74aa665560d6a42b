from reps_models import Summary as _Summary
from archived.reps import from_state as _from_state
value = _from_state(_Summary, {'total': 6, 'count': 3})
del _Summary, _from_state
if __name__ == 'builtins':
    del __builtins__
