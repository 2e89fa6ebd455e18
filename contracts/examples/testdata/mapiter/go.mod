module mapiter

go 1.24

require github.com/noded/noded/contracts/sdk v0.0.0

replace github.com/noded/noded/contracts/sdk => ../../../sdk
