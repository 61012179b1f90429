"""Procedures and documento names of the seeded expedientes."""

from __future__ import annotations

TRAMITES = [
    "Solicitud de licencia de obra menor",
    "Licencia de apertura de establecimiento",
    "Subvención para rehabilitación de fachada",
    "Reclamación por daños en la vía pública",
    "Ayuda al alquiler de vivienda",
    "Cambio de titularidad de vado",
    "Certificado de empadronamiento y convivencia",
    "Inscripción en el registro de parejas de hecho",
    "Bonificación del IBI por familia numerosa",
    "Ocupación de vía pública con terraza",
    "Poda de árbol en acera",
    "Recurso de reposición contra liquidación de tasa",
    "Solicitud de tarjeta de estacionamiento para personas con discapacidad",
    "Autorización de mudanza con camión",
    "Devolución de ingresos indebidos",
    "Queja por ruidos de actividad nocturna",
    "Solicitud de información pública",
    "Alta en el servicio de ayuda a domicilio",
    "Matrícula en la escuela municipal de música",
    "Reserva de instalación deportiva",
    "Declaración responsable de inicio de actividad",
    "Fraccionamiento de deuda tributaria",
    "Instalación de placas solares en cubierta",
    "Exención del impuesto de vehículos",
    "Solicitud de ayuda de emergencia social",
]


DOCUMENTOS = [
    ("Solicitud firmada", "solicitud"),
    ("DNI escaneado", "anexo"),
    ("Plano de situación", "anexo"),
    ("Memoria técnica", "anexo"),
    ("Justificante de pago de la tasa", "anexo"),
    ("Resolución de admisión", "resolucion"),
    ("Notificación de requerimiento", "notificacion"),
    ("Fotografías del estado actual", "otro"),
    ("Certificado de la comunidad de propietarios", "anexo"),
    ("Alegaciones", "otro"),
]
