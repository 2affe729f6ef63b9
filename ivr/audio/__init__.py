"""Prompt audio: what each prompt plays, offline speech, telephony WAV, caller times.

Owns: current (what each prompt plays now: staff takes beat generated speech), prompts
(PromptAudio: that, what a URL names, the gate for staff takes), files (content-hashed
names, lengths, whole copies), tts (espeak-ng, Flite, sox), journeys (how long a caller
listens).
May import: ivr.menu and ivr.store (takes and their sound).
"""
