from archived.arrays import from_bytes as _from_bytes
from archived.reps import python_array as _python_array
from numpy import array as _array
from archived.arrays import load_array as _load_array
value = [
    _python_array(
        'd',
        _from_bytes(b'\x00\x00\x00\x00\x00\x00\xf8?\x00\x00\x00\x00\x00\x00\x00\x80\x01\x00\x00\x00\x00\x00\xf8\x7f', 'float64', (3,), 'C'),
    ),
    _python_array('i', _array([-2, -1, 0, 1, 2], dtype='int32')),
    _python_array('B', _array([97, 98], dtype='uint8')),
    _python_array('f', _array([0.10000000149011612], dtype='float32')),
    _python_array('u', 'hé'),
    _python_array(
        'q',
        _load_array('value.h5', 'a0', digest='67ad72bc231ac7ba9c4b236408bd987b'),
    ),
]
del _from_bytes, _python_array, _array, _load_array
if __name__ == 'builtins':
    del __builtins__
