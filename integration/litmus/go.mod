module github.com/kcgi-go/kcgi-go/integration/litmus

go 1.26.0

require github.com/kcgi-go/kcgi-go v0.0.0

require golang.org/x/net v0.63.0

replace github.com/kcgi-go/kcgi-go => ../..
