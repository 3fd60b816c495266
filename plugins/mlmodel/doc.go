// Package mlmodel is Keeper's machine-learning model format plugin: model files with a parsed model card.
package mlmodel
