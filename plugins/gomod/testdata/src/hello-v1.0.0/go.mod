module example.com/Lib/hello

go 1.21
