from archived.arrays import load_array as _load_array
from reps_models import Run as _Run
value = _Run(
    name='warmup',
    steps=_load_array('value.h5', 'a0', digest='d083d9b5ab0ad302ea737feadfd5e1b5'),
    seed=7,
)
del _load_array, _Run
if __name__ == 'builtins':
    del __builtins__
