from numpy import array as _array
from archived.reps import string_array as _string_array
from archived.reps import index as _index
from archived.reps import multi_index as _multi_index
from archived.reps import dataframe as _dataframe
value = _dataframe(
    {
        ('u', 1): _array([0.0], dtype='float64'),
        ('u', 2): _array([1.0], dtype='float64'),
        ('v', 1): _array([2.0], dtype='float64'),
        ('v', 2): _array([3.0], dtype='float64'),
    },
    columns=_multi_index(
        [
            _index(_string_array(['u', 'v']), name='var'),
            _index(_array([1, 2], dtype='int64'), name='rep'),
        ],
        [_array([0, 0, 1, 1], dtype='int8'), _array([0, 1, 0, 1], dtype='int8')],
        names=['var', 'rep'],
    ),
)
del _array, _string_array, _index, _multi_index, _dataframe
if __name__ == 'builtins':
    del __builtins__
