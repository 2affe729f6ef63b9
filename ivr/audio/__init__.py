"""Prompt audio: what each prompt plays, offline speech, telephony WAV, caller times.

Owns: prompts (staff takes beat generated speech), files (content-hashed names, lengths,
whole copies), tts (espeak-ng, Flite, sox), journeys (how long a caller listens).
May import: ivr.menu and ivr.store (takes and their sound).
"""
