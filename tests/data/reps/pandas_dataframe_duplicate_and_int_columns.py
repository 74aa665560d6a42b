from numpy import array as _array
from archived.reps import object_array as _object_array
from archived.reps import index as _index
from archived.reps import dataframe as _dataframe
value = _dataframe(
    [
        ('a', _array([1], dtype='int64')),
        ('a', _array([2], dtype='int64')),
        (7, _array([3], dtype='int64')),
    ],
    columns=_index(_object_array(['a', 'a', 7], (3,))),
)
del _array, _object_array, _index, _dataframe
if __name__ == 'builtins':
    del __builtins__
