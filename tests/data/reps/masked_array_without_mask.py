from numpy import array as _array
from archived.reps import masked_array as _masked_array
value = _masked_array(_array([0, 1, 2], dtype='int16'), None)
del _array, _masked_array
if __name__ == 'builtins':
    del __builtins__
