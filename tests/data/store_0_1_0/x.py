# archived entry 'x', format 1, data files: []
# ---- info ----
info = None
# ---- value ----
x = 42
if __name__ == 'builtins':
    del __builtins__
