# archived entry 'square_46d40c51e514b94c', format 1, data files: []
# ---- info ----
info = {
    'function': 'golden_values.square',
    'version': 'debf77caab6d2532',
    'key': '46d40c51e514b94c0442875a9968d7f5',
    'parameters': {'x': 2, 'power': 2},
    'status': 'ok',
    'started': '2026-12-01T23:54:32.432261+00:00',
    'duration': 1.7230000821655267e-06,
    'host': 'vm',
    'pid': 6027,
    'python': '3.11.7',
    'numpy': '2.4.6',
    'archived': '0.1.0',
}
if __name__ == 'builtins':
    del __builtins__
# ---- value ----
square_46d40c51e514b94c = 4
if __name__ == 'builtins':
    del __builtins__
