module github.com/noded/noded/contracts/examples/token

go 1.26.8

require (
	github.com/noded/noded v0.0.0
	github.com/noded/noded/contracts/sdk v0.0.0
)

require (
	github.com/holiman/uint256 v1.3.2 // indirect
	github.com/oasisprotocol/curve25519-voi v0.0.0-20230904125328-1f23a7beb09a // indirect
	github.com/tetratelabs/wazero v1.12.0 // indirect
	github.com/wasmerio/wasmer-go v1.0.4 // indirect
	golang.org/x/crypto v0.59.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
)

replace (
	github.com/noded/noded => ../../..
	github.com/noded/noded/contracts/sdk => ../../sdk
)
