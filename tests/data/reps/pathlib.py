from pathlib import PurePosixPath as _PurePosixPath
from pathlib import PureWindowsPath as _PureWindowsPath
value = [_PurePosixPath('/data/run 1'), _PureWindowsPath('C:\\x')]
del _PurePosixPath, _PureWindowsPath
if __name__ == 'builtins':
    del __builtins__
