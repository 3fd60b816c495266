module example.com/Lib/hello
