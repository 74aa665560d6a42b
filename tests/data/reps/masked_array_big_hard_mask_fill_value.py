from archived.arrays import load_array as _load_array
from numpy import float64 as _float64
from archived.reps import masked_array as _masked_array
value = _masked_array(
    _load_array('value.h5', 'a0', digest='091c6bcba671a4ad432babd26b87d597'),
    _load_array('value.h5', 'a1', digest='404b5ab378699244c3aff0d78f96e822'),
    fill_value=_float64(-999.0),
    hard_mask=True,
)
del _load_array, _float64, _masked_array
if __name__ == 'builtins':
    del __builtins__
