from builtins import list as _list
from collections import defaultdict as _defaultdict
value = _defaultdict(_list, {'a': [1]})
del _list, _defaultdict
if __name__ == 'builtins':
    del __builtins__
