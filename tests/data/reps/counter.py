from collections import Counter as _Counter
value = _Counter({'a': 5, 'b': 2, 'r': 2, 'c': 1, 'd': 1})
del _Counter
if __name__ == 'builtins':
    del __builtins__
