// Package huggingface serves Hugging Face hub model repositories to the huggingface_hub client (HF_ENDPOINT).
package huggingface
