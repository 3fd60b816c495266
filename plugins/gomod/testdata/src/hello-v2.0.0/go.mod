module example.com/Lib/hello/v2

go 1.21
