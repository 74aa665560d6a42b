from builtins import float as _float
from builtins import complex as _complex
from builtins import frozenset as _frozenset
from builtins import range as _range
from builtins import slice as _slice
from fractions import Fraction as _Fraction
from decimal import Decimal as _Decimal
from datetime import date as _date
from datetime import datetime as _datetime
from datetime import timedelta as _timedelta
from collections import OrderedDict as _OrderedDict
from numpy import array as _array
from archived.arrays import from_bytes as _from_bytes
from numpy import float64 as _float64
from numpy import int16 as _int16
from archived.arrays import scalar_from_bytes as _scalar_from_bytes
from numpy import bool_ as _bool_
from archived.arrays import load_array as _load_array
ints = [0, 1, -7, 1180591620717411303424, True, False, None]
floats = [0.1, -0.0, _float('inf'), _float('-inf'), 1e-310, 2.5e+300]
nan = _float('nan')
complexes = [_complex(1.0, 2.0), _complex(0.0, -0.0)]
texts = ['', 'plain', 'quote \' and " and \\', 'ünïcödé', b'\x00\xffbytes']
containers = {
    'tuple': (1, (2, (3,))),
    'set': {1, 2, 3},
    'frozen': _frozenset({'a', 'b'}),
    'nested': {'k': [{'deep': [1, 2]}]},
    'range': _range(2, 20, 3),
    'slice': _slice(1, None, 2),
    'ellipsis': ...,
}
_g1 = [1, 'two', 3.0]
shared = [_g1, _g1, {'again': _g1}]
stdlib = [
    _Fraction(1, 3),
    _Decimal('3.14159'),
    _date(2026, 12, 1),
    _datetime(2026, 12, 1, 23, 46, 23, 5),
    _timedelta(days=1, seconds=2),
    _OrderedDict({'b': 1, 'a': 2}),
]
small_arrays = [
    _array([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], dtype='float32'),
    _array([1, -2, 3], dtype='>i8'),
    _from_bytes(b'\x00\x00\x00\x00\x00\x00\xf0?\x00\x00\x00\x00\x00\x00\xf0?\x00\x00\x00\x00\x00\x00\xf8\x7f\x00\x00\x00\x00\x00\x00\x00\x00', 'complex128', (2,), 'C'),
    _array([True, False], dtype='bool'),
    _array(['a', 'bc'], dtype='<U2'),
    _array(['2026-12-01', 'NaT'], dtype='datetime64[D]'),
    _array([[0.0, 1.0], [2.0, 3.0]], dtype='float64', order='F'),
    _array([(0.0, 0), (0.0, 0), (0.0, 0)], dtype=[('x', '<f8'), ('n', '<i4')]),
]
scalars = [
    _float64(0.5),
    _int16(-3),
    _scalar_from_bytes(b'\x00\x00\x00\x00\x00\x00\x80?', 'complex64'),
    _bool_(True),
]
big_array = _load_array('archive_0_1_0.h5', 'a0')
big_ints = _load_array('archive_0_1_0.h5', 'a1')
del _float, _complex, _frozenset, _range, _slice, _Fraction, _Decimal, _date
del _datetime, _timedelta, _OrderedDict, _array, _from_bytes, _float64, _int16
del _scalar_from_bytes, _bool_, _load_array, _g1
if __name__ == 'builtins':
    del __builtins__
