"""Text generation and provenance: small n-gram language models, a green-list watermark and a
learned detector of generated text, evaluated across generators. Taught in notebook 18
(ethics-authorship)."""
