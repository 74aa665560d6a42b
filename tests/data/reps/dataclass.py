from archived.arrays import load_array as _load_array
from reps_models import Result as _Result
value = _Result(
    energy=-1.25,
    field=_load_array('value.h5', 'a0', digest='f95769dfa0f409367686da6326801b5b'),
    tags=['a', 'b'],
)
del _load_array, _Result
if __name__ == 'builtins':
    del __builtins__
