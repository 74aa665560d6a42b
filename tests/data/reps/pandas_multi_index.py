from archived.reps import string_array as _string_array
from archived.reps import index as _index
from numpy import array as _array
from archived.reps import multi_index as _multi_index
value = _multi_index(
    [
        _index(_string_array(['a', 'b']), name='l'),
        _index(_array([1, 2], dtype='int64'), name='n'),
    ],
    [_array([0, 0, 1, 1], dtype='int8'), _array([0, 1, 0, 1], dtype='int8')],
    names=['l', 'n'],
)
del _string_array, _index, _array, _multi_index
if __name__ == 'builtins':
    del __builtins__
