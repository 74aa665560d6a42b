from builtins import int as _int
from functools import partial as _partial
value = _partial(_int, 'ff', base=16)
del _int, _partial
if __name__ == 'builtins':
    del __builtins__
