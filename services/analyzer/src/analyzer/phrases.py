"""What the offline analyzer says, in English, Portuguese and Spanish."""

from __future__ import annotations

from analyzer.grammar import of_product
from analyzer.language import Language
from analyzer.verdict import Step

PHRASES: dict[str, dict[Language, str]] = {
    "ask_product": {
        "en": "Which product would you like to give feedback on?",
        "pt": "Sobre qual produto você gostaria de dar sua opinião?",
        "es": "¿Sobre qué producto te gustaría dar tu opinión?",
    },
    "greet": {"en": "Hi! 👋", "pt": "Olá! 👋", "es": "¡Hola! 👋"},
    "small_talk": {
        "en": "I'm well, thanks for asking!",
        "pt": "Tudo bem, obrigado por perguntar!",
        "es": "¡Muy bien, gracias por preguntar!",
    },
    "thanks": {"en": "You're welcome!", "pt": "De nada!", "es": "¡De nada!"},
    "ask_feedback": {
        "en": "Thanks! What do you think {of_product}?",
        "pt": "Obrigado! O que você achou {of_product}?",
        "es": "¡Gracias! ¿Qué opinas {of_product}?",
    },
    "ask_opinion": {
        "en": "What do you think {of_product}? A sentence or two is plenty.",
        "pt": "O que você achou {of_product}? Uma ou duas frases bastam.",
        "es": "¿Qué opinas {of_product}? Con una o dos frases basta.",
    },
    "ask_rating": {
        "en": "Thanks! From 1 to 5, how would you rate {product}? (5 is best)",
        "pt": "Obrigado! De 1 a 5, que nota você dá para {product}? (5 é a melhor)",
        "es": "¡Gracias! Del 1 al 5, ¿qué nota le das a {product}? (5 es la mejor)",
    },
    "rating_again": {
        "en": "Please answer with a number from 1 to 5 (5 is best), or 'no' to skip it.",
        "pt": "Responda com um número de 1 a 5 (5 é a melhor), ou 'não' para pular.",
        "es": "Responde con un número del 1 al 5 (5 es la mejor), o 'no' para omitirlo.",
    },
    "rating_skipped": {
        "en": "No problem, no rating.",
        "pt": "Sem problemas, sem nota.",
        "es": "No hay problema, sin nota.",
    },
    "ask_photo": {
        "en": "Would you like to add a photo? Send it now, or reply 'no'.",
        "pt": "Quer adicionar uma foto? Envie agora ou responda 'não'.",
        "es": "¿Quieres añadir una foto? Envíala ahora o responde 'no'.",
    },
    "photo_or_no": {
        "en": "Send a photo now, or reply 'no' to skip it.",
        "pt": "Envie uma foto agora ou responda 'não' para pular.",
        "es": "Envía una foto ahora o responde 'no' para omitirla.",
    },
    "got_photo": {"en": "Got your photo. ", "pt": "Recebi sua foto. ", "es": "Recibí tu foto. "},
    "confirm": {
        "en": 'Shall I submit this feedback? "{summary}" Reply yes or no.',
        "pt": 'Posso enviar esta opinião? "{summary}" Responda sim ou não.',
        "es": '¿Envío esta opinión? "{summary}" Responde sí o no.',
    },
    "confirm_again": {
        "en": "Please reply yes to submit your feedback, or no to change it.",
        "pt": "Responda sim para enviar sua opinião, ou não para alterá-la.",
        "es": "Responde sí para enviar tu opinión, o no para cambiarla.",
    },
    "which_product": {
        "en": "Which product did you mean? Tell me its name.",
        "pt": "Qual produto você quis dizer? Diga o nome dele.",
        "es": "¿Qué producto querías decir? Dime su nombre.",
    },
    "start_over": {
        "en": "No problem, let's start over. Which product is it about?",
        "pt": "Sem problemas, vamos recomeçar. Sobre qual produto é?",
        "es": "No hay problema, empecemos de nuevo. ¿Sobre qué producto es?",
    },
    "recorded": {
        "en": "Thank you! Your feedback has been recorded.",
        "pt": "Obrigado! Sua opinião foi registrada.",
        "es": "¡Gracias! Tu opinión ha sido registrada.",
    },
    "steer_back": {
        "en": "I can only take feedback on products here. {question}",
        "pt": "Aqui só posso receber opiniões sobre produtos. {question}",
        "es": "Aquí solo puedo recoger opiniones sobre productos. {question}",
    },
    "opted_out": {
        "en": "You won't get any more messages from us. Reply START to get them again.",
        "pt": "Você não receberá mais mensagens nossas. Responda START para voltar a recebê-las.",
        "es": "No recibirás más mensajes nuestros. Responde START para volver a recibirlos.",
    },
    "welcome_back": {
        "en": "Welcome back! {question}",
        "pt": "Bem-vindo de volta! {question}",
        "es": "¡Bienvenido de nuevo! {question}",
    },
    "welcome_back_later": {
        "en": "You will get our messages again. You can continue with your feedback in "
        "{minutes} min.",
        "pt": "Você voltará a receber nossas mensagens. Pode continuar sua opinião em "
        "{minutes} min.",
        "es": "Volverás a recibir nuestros mensajes. Puedes continuar con tu opinión en "
        "{minutes} min.",
    },
    "limited": {
        "en": "Let's take a short break. You can continue with your feedback in {minutes} min.",
        "pt": "Vamos fazer uma pausa. Você pode continuar sua opinião em {minutes} min.",
        "es": "Hagamos una pausa. Puedes continuar con tu opinión en {minutes} min.",
    },
    "voice_unheard": {
        "en": "I can't listen to voice notes here. Could you type your answer, please?",
        "pt": "Não consigo ouvir mensagens de voz aqui. Pode escrever sua resposta, por favor?",
        "es": "No puedo escuchar notas de voz aquí. ¿Puedes escribir tu respuesta, por favor?",
    },
    "voice_unusable": {
        "en": "I couldn't play that voice note: it seems incomplete or not a WhatsApp voice "
        "note. Could you type your answer, please?",
        "pt": "Não consegui reproduzir essa mensagem de voz: parece incompleta ou não é uma "
        "mensagem de voz do WhatsApp. Pode escrever sua resposta, por favor?",
        "es": "No pude reproducir esa nota de voz: parece incompleta o no es una nota de voz de "
        "WhatsApp. ¿Puedes escribir tu respuesta, por favor?",
    },
    "voice_too_long": {
        "en": "That voice note is too long for me. Could you type your answer, please?",
        "pt": "Essa mensagem de voz é longa demais para mim. Pode escrever sua resposta, por "
        "favor?",
        "es": "Esa nota de voz es demasiado larga para mí. ¿Puedes escribir tu respuesta, por "
        "favor?",
    },
    "intent": {"en": "Great!", "pt": "Ótimo!", "es": "¡Genial!"},
    "help": {
        "en": "This number collects feedback on products you bought. Tell me the product and "
        "what you think of it. Reply STOP to stop messages, START to get them again.",
        "pt": "Este número coleta opiniões sobre produtos que você comprou. Diga o produto e o "
        "que achou dele. Responda PARAR para não receber mais mensagens, START para voltar.",
        "es": "Este número recoge opiniones sobre productos que compraste. Dime el producto y "
        "qué te parece. Responde BAJA para no recibir más mensajes, START para volver.",
    },
    "respectful": {
        "en": "Let's keep this respectful. I'm here to collect product feedback.",
        "pt": "Vamos manter o respeito. Estou aqui para coletar opiniões sobre produtos.",
        "es": "Mantengamos el respeto. Estoy aquí para recoger opiniones sobre productos.",
    },
}


def say(key: str, language: Language, **values: str) -> str:
    """A phrase in the customer's language, with its blanks filled in; a `product` is also
    offered as `of_product`, contracted as the language wants ("da chaleira")."""
    if "product" in values:
        values["of_product"] = of_product(values["product"], language)
    return PHRASES[key][language].format(**values)


def question_for(step: Step, product: str | None, language: Language) -> str:
    """What a step of the conversation asks of the customer."""
    if step == "ask_feedback":
        return say("ask_opinion", language, product=product or "")
    if step == "ask_rating":
        return say("rating_again", language)
    if step == "ask_photo":
        return say("photo_or_no", language)
    if step == "confirm":
        return say("confirm_again", language)
    return say("ask_product", language)
