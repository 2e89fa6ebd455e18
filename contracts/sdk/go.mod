module github.com/noded/noded/contracts/sdk

go 1.24
