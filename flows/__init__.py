"""SiliconCompiler flows of the fixyasic plugin."""
