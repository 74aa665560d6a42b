from numpy import array as _array
from archived.reps import index as _index
from archived.reps import categorical_dtype as _categorical_dtype
value = _categorical_dtype(_index(_array([3, 1], dtype='int64')), ordered=None)
del _array, _index, _categorical_dtype
if __name__ == 'builtins':
    del __builtins__
