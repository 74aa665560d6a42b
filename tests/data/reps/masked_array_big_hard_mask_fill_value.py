from archived.arrays import load_array as _load_array
from numpy import float64 as _float64
from archived.reps import masked_array as _masked_array
value = _masked_array(
    _load_array('value.h5', 'a0', digest='38be45547f3eaccfde29a12bd4e9e8df'),
    _load_array('value.h5', 'a1', digest='ca48be769293356bfe6cde9dd00afde2'),
    fill_value=_float64(-999.0),
    hard_mask=True,
)
del _load_array, _float64, _masked_array
if __name__ == 'builtins':
    del __builtins__
