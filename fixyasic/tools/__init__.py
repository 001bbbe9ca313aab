"""External-tool adapters: the pyosys-based yosys console and how SiliconCompiler finds it."""
