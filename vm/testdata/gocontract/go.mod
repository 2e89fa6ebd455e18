module gocontract

go 1.26
