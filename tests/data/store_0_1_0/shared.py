# archived entry 'shared', format 1, data files: []
# ---- info ----
info = 'two references to one list'
if __name__ == 'builtins':
    del __builtins__
# ---- value ----
_g1 = [1, 2]
shared = [_g1, _g1]
del _g1
if __name__ == 'builtins':
    del __builtins__
