# archived entry 'square_ab6fb4334021fca5', format 1, data files: []
# ---- info ----
info = {
    'function': 'golden_values.square',
    'version': 'debf77caab6d2532',
    'key': 'ab6fb4334021fca5494d309b57157af3',
    'parameters': {'x': 1, 'power': 2},
    'status': 'ok',
    'started': '2026-12-01T23:54:32.430557+00:00',
    'duration': 5.377999968914082e-06,
    'host': 'vm',
    'pid': 6027,
    'python': '3.11.7',
    'numpy': '2.4.6',
    'archived': '0.1.0',
}
if __name__ == 'builtins':
    del __builtins__
# ---- value ----
square_ab6fb4334021fca5 = 1
if __name__ == 'builtins':
    del __builtins__
