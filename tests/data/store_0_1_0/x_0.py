# archived entry 'x_0', format 1, data files: []
# ---- info ----
info = {'inserted': True}
if __name__ == 'builtins':
    del __builtins__
# ---- value ----
x_0 = [1, 2, 3]
if __name__ == 'builtins':
    del __builtins__
