module github.com/kcgi-go/kcgi-go

go 1.22
