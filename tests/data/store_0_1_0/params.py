# archived entry 'params', format 1, data files: []
# ---- info ----
info = {'note': 'a dict entry'}
if __name__ == 'builtins':
    del __builtins__
# ---- value ----
params = {'mu': 1.5, 'n': 10, 'label': 'run'}
if __name__ == 'builtins':
    del __builtins__
